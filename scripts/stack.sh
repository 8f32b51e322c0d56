#!/bin/sh
# Kept for older notes and commands: the stack is devstack/ now.
cd "$(dirname "$0")/.." && exec go run ./devstack "$@"
