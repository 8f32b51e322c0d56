// Package stack holds no code: its tests check the local stack definitions
// (docker-compose.yml, deploy/, scripts/stack.sh) against the Go code, so
// that a new setting or search attribute cannot be forgotten in one of them.
package stack
