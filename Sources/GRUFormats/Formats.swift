// File formats live here.
