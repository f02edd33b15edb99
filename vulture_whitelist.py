"""Names vulture (scripts/check: `vulture src tests vulture_whitelist.py --min-confidence 80`)
reports as unused that a framework uses. Only true false positives belong here, each with why;
dead code is deleted, never listed. Not imported or run: vulture reads the names below as uses.
"""

# pytest fixtures: requested by naming them (a test's parameter), or registered by importing an
# autouse fixture into the test module.
transactional_db  # a test's parameter: the database, committed for real (browser, triggers)
fast_passwords  # imported by test modules to switch on the autouse fixture of support/v11.py

# Django's signatures: an overriding method takes the parameters its base class passes.
email_messages  # BaseEmailBackend.send_messages(email_messages), in support/v11.py
