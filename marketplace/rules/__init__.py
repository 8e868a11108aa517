"""Pure business rules: no database, no Flask; tested exhaustively on their own."""
