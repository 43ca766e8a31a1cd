"""Writes the interop fixtures for Tests/GRUFormatsTests into Tests/Fixtures/formats/.

The files come from real numpy and the real `safetensors` package, so the Swift readers are
checked against the reference writers rather than against themselves. The expected values
are stated beside each array and mirrored in the "Fixtures from numpy" and "Fixtures from
safetensors" tests of Tests/GRUFormatsTests/NpyTests.swift and SafetensorsTests.swift.

Run from the repository root:
    python3 -m venv .venv-formats && .venv-formats/bin/pip install numpy safetensors
    .venv-formats/bin/python Tools/Reference/make_format_fixtures.py
"""

import os

import numpy as np
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "formats")


def main():
    os.makedirs(OUT, exist_ok=True)

    # float64.npy: shape (2, 3), dtype '<f8', values
    #   [[1.5, -2.25, 3.0], [0.1, 0.001, -7.0]]
    np.save(os.path.join(OUT, "float64.npy"),
            np.array([[1.5, -2.25, 3.0], [0.1, 0.001, -7.0]], dtype="<f8"))

    # int64.npy: shape (4,), dtype '<i8', values [3, -1, 0, 1099511627776] (the last is 2**40);
    # Npy.encodeIntegers of the same values must reproduce this file byte for byte.
    np.save(os.path.join(OUT, "int64.npy"), np.array([3, -1, 0, 2**40], dtype="<i8"))

    # float32.npy: shape (2, 3), dtype '<f4', values [[1, 2, 3], [4, 5, 6]];
    # Npy.encode of the same tensor must reproduce this file byte for byte.
    np.save(os.path.join(OUT, "float32.npy"),
            np.arange(1, 7, dtype="<f4").reshape(2, 3))

    # fortran.npy: shape (2, 3), dtype '<f4', fortran_order True; must be rejected.
    np.save(os.path.join(OUT, "fortran.npy"),
            np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))

    # bigendian.npy: shape (3,), dtype '>f4', values [0, 1, 2]; must be rejected.
    np.save(os.path.join(OUT, "bigendian.npy"), np.arange(3, dtype=">f4"))

    # mixed.safetensors, metadata {"format": "np", "source": "make_format_fixtures.py"}:
    #   "weight" F32 shape (2, 2) values [[1.0, -2.0], [0.5, 3.25]]
    #   "half"   F16 shape (4,)   values [1.0, -2.0, 0.5, 65504.0]
    #   "steps"  I64 shape (2,)   values [7, -3]
    save_file(
        {
            "weight": np.array([[1.0, -2.0], [0.5, 3.25]], dtype=np.float32),
            "half": np.array([1.0, -2.0, 0.5, 65504.0], dtype=np.float16),
            "steps": np.array([7, -3], dtype=np.int64),
        },
        os.path.join(OUT, "mixed.safetensors"),
        metadata={"format": "np", "source": "make_format_fixtures.py"},
    )

    # float32.safetensors, no metadata: "a" F32 shape (3,) [1, 2, 3] and "b" F32 shape (1, 2)
    # [-1, 0.5]; SafetensorsFile.encoded() of the same tensors must reproduce it byte for byte.
    save_file(
        {
            "a": np.array([1.0, 2.0, 3.0], dtype=np.float32),
            "b": np.array([[-1.0, 0.5]], dtype=np.float32),
        },
        os.path.join(OUT, "float32.safetensors"),
    )


if __name__ == "__main__":
    main()
