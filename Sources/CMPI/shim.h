// Open MPI's C library (Debian libopenmpi-dev, Homebrew open-mpi), found through pkg-config
// (ompi-c), for data-parallel training under mpirun or srun.
#include <mpi.h>

// MPI's handles are macros Swift does not import (casts of addresses of Open MPI's globals);
// these functions take them on Swift's behalf. Every call is on MPI_COMM_WORLD.

// Only the main thread calls MPI; GRUKit's own threads do the arithmetic.
static inline int cmpi_init(void) {
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

// Errors come back as codes, so that GRUKit can name what failed before it ends the job.
static inline int cmpi_return_errors(void) { return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); }

static inline int cmpi_rank(int *rank) { return MPI_Comm_rank(MPI_COMM_WORLD, rank); }
static inline int cmpi_size(int *size) { return MPI_Comm_size(MPI_COMM_WORLD, size); }

// How many processes of the job share this machine's memory (this host's ranks).
static inline int cmpi_local_size(int *size) {
    MPI_Comm local;
    int status = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
    if (status != MPI_SUCCESS) return status;
    status = MPI_Comm_size(local, size);
    MPI_Comm_free(&local);
    return status;
}

static inline int cmpi_sum_floats(float *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static inline int cmpi_sum_doubles(double *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static inline void cmpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
static inline int cmpi_finalize(void) { return MPI_Finalize(); }

// The library's words for an error code, into `text` of MPI_MAX_ERROR_STRING bytes.
static inline void cmpi_error_text(int code, char *text) {
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
    text[length] = 0;
}
static inline int cmpi_max_error_text(void) { return MPI_MAX_ERROR_STRING; }
