#!/usr/bin/env bash
# Installs the Debian packages GRUKit builds against when any is missing, then runs the command
# given (README's quick start: the main job and the test suite). On other systems it only says
# what it needs and runs the command.
#
#   libopenblas-dev  BLAS for the matrix products (Apple systems use Accelerate)
#   libhdf5-dev      HDF5 for Keras weights files (.weights.h5, inside .keras archives)
#   libopenmpi-dev   Open MPI, for data-parallel training under mpirun (built in when present)
#   openmpi-bin      mpirun, which starts such a job (and the test suite's MPI tests)
#   pkg-config       how SwiftPM finds them
set -euo pipefail

if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    missing=()
    for package in libopenblas-dev libhdf5-dev libopenmpi-dev openmpi-bin pkg-config; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "installing ${missing[*]} (apt-get)" >&2
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
elif ! pkg-config --exists hdf5 2>/dev/null; then
    echo "GRUKit needs HDF5 and pkg-config (macOS: brew install hdf5 pkg-config)" >&2
fi

[ "$#" -eq 0 ] || exec "$@"
