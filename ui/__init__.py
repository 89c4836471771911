"""Qt widgets of the counter. The only package that imports QtWidgets."""
