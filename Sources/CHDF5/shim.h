// The HDF5 C library (Debian libhdf5-dev, Homebrew hdf5), found through pkg-config: Keras
// weights files (.weights.h5, and model.weights.h5 inside .keras archives) are HDF5.
#include <hdf5.h>
