"""Stage 2, ``check``: one return read back into typed records, every problem at its cell;
the annotated copy and the terminal report."""
