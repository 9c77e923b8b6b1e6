"""The store: SQLAlchemy tables of import batches and facts, queries and indicators."""
