"""The operators' roles, each including the one before (services.operators says what each may
do; the database's group roles of services.team enforce the same on PostgreSQL)."""

ROLES = ("accountant", "manager", "admin")
