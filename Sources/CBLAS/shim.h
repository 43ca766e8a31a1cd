// OpenBLAS's cblas.h: the CBLAS interface plus openblas_get_corename and thread control.
#include <cblas.h>
