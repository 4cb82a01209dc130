"""One file per schema revision, applied in order by halyk_desk.store.migrate."""
