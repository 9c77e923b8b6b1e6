"""The store's tables: import batches and one long fact table with history."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)

metadata = MetaData()

# One row per file written to the store.
batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("imported_at", DateTime(timezone=False), nullable=False),
    Column("user_name", String(120), nullable=False),
    Column("facts_new", Integer, nullable=False, default=0),
    Column("facts_changed", Integer, nullable=False, default=0),
    Column("facts_unchanged", Integer, nullable=False, default=0),
    Column("undone", Boolean, nullable=False, default=False),
)

# Every value ever imported. The current value of a key is the row with
# current = true; a corrected file turns the old row's current off and names
# itself in replaced_by, so history is kept and an undo can bring it back.
# component and source are '' (not NULL) where a dataset has no such
# dimension, so that the key can be unique.
facts = Table(
    "facts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # batches.id, not declared as a foreign key: PostgreSQL checks each row of a COPY through a
    # trigger, which halved bulk-load speed. Batches are never deleted (an undo marks them), and the
    # one writer (store/writes.py) inserts the batch first in the same transaction;
    # tests/test_store.py checks that every fact's batches exist.
    Column("batch_id", Integer, nullable=False),
    Column("dataset", String(16), nullable=False),
    Column("district_code", String(8), nullable=False),
    # the district's province (GSO code), kept beside it so a province's figures are read through an index
    Column("province_code", String(4), nullable=False, server_default=""),
    Column("year", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("component", String(16), nullable=False, default=""),
    Column("source", String(32), nullable=False, default=""),
    Column("measure", String(40), nullable=False),
    Column("value", Float, nullable=False),
    Column("sheet", String(100), nullable=False),
    Column("cell", String(16), nullable=False),
    Column("current", Boolean, nullable=False, default=True),
    Column("replaced_by", Integer, nullable=True),  # batches.id, as batch_id
    # a commune's GSO code (5 digits) for a value of one commune of district_code; '' for the district's own.
    # A district's figure is its own or the sum of its communes, never both (store/writes.py, _other_grain).
    Column("commune_code", String(8), nullable=False, server_default=""),
)

# "the fact is current" exactly as the partial indexes below say it: SQLite uses a partial index only
# when the query repeats its WHERE term (facts.current = 1, as SQLAlchemy writes a boolean column, would
# scan the table); PostgreSQL matches either. Text, not a typed column: SQLAlchemy would add the '= 1'.
CURRENT = text("facts.current")
# "the fact is a commune's", as ix_facts_communes says it (a bound '' would not let SQLite use that index)
BY_COMMUNE = text("facts.commune_code <> ''")
# "the fact is the unit's own", as ix_facts_own says it
OWN = text("facts.commune_code = ''")

FACT_KEY = ("dataset", "district_code", "year", "as_of", "component", "source", "measure", "commune_code")

# At most one current value per key, on both engines.
Index(
    "ux_facts_current_key",
    *(facts.c[k] for k in FACT_KEY),
    unique=True,
    sqlite_where=text("current"),
    postgresql_where=text("current"),
)
# What the pages read: a year's current facts of one dataset, of one province or the whole country.
Index(
    "ix_facts_current_scope",
    facts.c.dataset, facts.c.year, facts.c.province_code, facts.c.district_code, facts.c.as_of,
    sqlite_where=text("current"),
    postgresql_where=text("current"),
)
Index("ix_facts_batch", facts.c.batch_id)
# only replaced facts: most rows have none, and an index entry per row would slow every import
Index("ix_facts_replaced_by", facts.c.replaced_by, sqlite_where=text("replaced_by IS NOT NULL"),
      postgresql_where=text("replaced_by IS NOT NULL"))
# only values of communes (few beside the districts' own): a district's communes, or which communes have values,
# read without scanning the table (queries.commune_facts, communes_present)
Index("ix_facts_communes", facts.c.district_code, facts.c.commune_code,
      sqlite_where=text("current AND commune_code <> ''"), postgresql_where=text("current AND commune_code <> ''"))
# only the units' own values: a district's figures at its latest date without stepping over its communes' (at a
# date reported by commune, the key index walked 3,000 commune values per district to find none: 0.7 s a page)
Index("ix_facts_own", facts.c.dataset, facts.c.district_code, facts.c.year, facts.c.as_of,
      sqlite_where=text("current AND commune_code = ''"), postgresql_where=text("current AND commune_code = ''"))

# How many current facts each dataset, district, year and report date has: what the pages ask first
# (which provinces, years and dates exist, each district's latest report) without reading facts.
# Derived, never edited: store.writes.refresh_coverage recomputes the rows an import or undo touched.
coverage = Table(
    "coverage",
    metadata,
    Column("dataset", String(16), primary_key=True),
    Column("district_code", String(8), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("province_code", String(4), nullable=False),
    Column("facts", Integer, nullable=False),
)
Index("ix_coverage_scope", coverage.c.dataset, coverage.c.year, coverage.c.province_code)

# The current values reported by commune, summed per district and everything else of the key (and batch): what a
# district's figure is when its communes report it. Derived, never edited: store.writes.refresh_coverage recomputes
# the rows an import or undo touched. Pages sum a province's or the country's funding from the districts' own values
# and these sums, never from the commune values themselves (1.1 million at one date of the national benchmark).
commune_totals = Table(
    "commune_totals",
    metadata,
    Column("dataset", String(16), primary_key=True),
    Column("district_code", String(8), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("component", String(16), primary_key=True),
    Column("source", String(32), primary_key=True),
    Column("measure", String(40), primary_key=True),
    Column("batch_id", Integer, primary_key=True),
    Column("province_code", String(4), nullable=False),
    Column("value", Float, nullable=False),
    Column("facts", Integer, nullable=False),  # commune values summed
)
COMMUNE_TOTAL_KEY = ("dataset", "district_code", "year", "as_of", "component", "source", "measure", "batch_id")
Index("ix_commune_totals_scope", commune_totals.c.dataset, commune_totals.c.year, commune_totals.c.province_code,
      commune_totals.c.district_code, commune_totals.c.as_of)

# Small key/value table: data_version (bumped on every write) keys page caches.
meta = Table(
    "meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

# Column mappings an analyst fixed by hand, applied by themselves to files whose
# header has the same signature (a hash of the flattened header texts).
mapping_profiles = Table(
    "mapping_profiles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("signature", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("options", String(20000), nullable=False),  # JSON: header rows and column meanings
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("user_name", String(120), nullable=False),
    # '' (not NULL, so that the key can be unique): shared, applied to everyone's files, saved only by
    # analysts and admins of every district; else the user whose own uploads alone it applies to
    # (an analyst scoped to some districts saves only these). See store/profiles.py.
    Column("owner", String(120), nullable=False, server_default=""),
    UniqueConstraint("signature", "owner", name="uq_mapping_profiles_signature_owner"),
)

# People who may sign in. districts: '' for all, else GSO codes separated by commas
# (an analyst scoped to some districts, as DHIS2 scopes users to org units).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(120), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=True),  # None: signs in through OpenID Connect only
    Column("email", String(200), nullable=True, unique=True),
    Column("role", String(16), nullable=False),
    Column("districts", String(400), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=False), nullable=True),
)

# Every change to data, mappings and users: who, when, what, how many values.
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=False), nullable=False),
    Column("user_name", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(300), nullable=False, default=""),
    Column("values_count", Integer, nullable=False, default=0),
    Column("detail", String(2000), nullable=False, default=""),
)

# Signed-in browsers: one row per sign-in. The browser holds only a random token in an HttpOnly
# cookie (signed, see store/sessions.py); the store keeps its SHA-256, so a copy of this table
# signs nobody in. Sign-out and expiry end a row for every server at once.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(120), nullable=False),
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("expires_at", DateTime(timezone=False), nullable=False),
    # a sign-in is first a one-time ticket the signing-in browser exchanges for its cookie (within a minute)
    Column("state", String(8), nullable=False),  # 'ticket', 'active' or 'ended'
)
Index("ix_sessions_username", sessions.c.username)

# Sign-in throttling per client (the address the sign-in page passes; the command line passes none):
# failed attempts from it, and until when it is refused without looking at any account. It slows one
# guessing address far more than the per-account lock (users.locked_until), which stays short so that
# no address can keep an account's owner out for long. See store/auth.py: authenticate.
login_clients = Table(
    "login_clients",
    metadata,
    Column("client", String(100), primary_key=True),  # longer keys are stored as their SHA-256
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=False), nullable=True),
    Column("last_failed_at", DateTime(timezone=False), nullable=False),
)
