"""The clinic's staff (issue 12, point 2): inviting a therapist by a one-time link, changing and
resetting a password, deactivating and reactivating an account, and the two roles, clinic admin
and therapist. Above the API (it revokes a deactivated account's tokens), below the web app."""
