"""Questions before reserving: one thread per (listing, asking organisation) between that
organisation and the lister, carried into the reservation if one follows."""
