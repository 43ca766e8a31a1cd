// The HDF5 C library (Debian libhdf5-dev, Homebrew hdf5), found through pkg-config: Keras
// weights files (.weights.h5, and model.weights.h5 inside .keras archives) are HDF5.
#include <hdf5.h>

// HDF5's constants are macros that Swift does not import (casts, or globals read after a
// call to H5open()); these functions give them to Swift.
static inline hid_t chdf5_default_list(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_default_error_stack(void) { return H5E_DEFAULT; }
static inline hid_t chdf5_whole_space(void) { return H5S_ALL; }
static inline unsigned chdf5_read_only(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_truncate(void) { return H5F_ACC_TRUNC; }
static inline size_t chdf5_variable_size(void) { return H5T_VARIABLE; }
static inline hid_t chdf5_file_access_class(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_little_endian_float32(void) { return H5T_IEEE_F32LE; }
static inline hid_t chdf5_c_string(void) { return H5T_C_S1; }

// 1 when the link `name` in `location` is a hard link, 0 when it is soft or external (which
// would make HDF5 open another path or file), -1 when it cannot be read. Written in C so that
// H5Lget_info and H5L_info_t resolve to the API version of the installed library.
static inline int chdf5_is_hard_link(hid_t location, const char *name) {
    H5L_info_t info;
    if (H5Lget_info(location, name, &info, H5P_DEFAULT) < 0) return -1;
    return info.type == H5L_TYPE_HARD ? 1 : 0;
}
