"""Use cases shared by the command line and the window: no Qt here, plain data in and out."""
