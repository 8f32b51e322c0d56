-- Runs once, when the postgresql container initialises an empty volume.
-- The superuser (POSTGRES_USER) is Temporal's; callcycle gets its own role.
-- CREATEDB so the test suite can create throwaway databases against it too.
CREATE ROLE callcycle WITH LOGIN CREATEDB PASSWORD 'callcycle';
CREATE DATABASE callcycle OWNER callcycle;
