// GRU layers live here.
