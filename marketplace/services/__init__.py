"""Business operations, one function each: it takes the session and the acting user, checks the rules,
writes the audit event and raises a domain error when refused. Services never commit: the caller's
unit of work (`marketplace.services.unit_of_work`) does.
"""
