package activities

import (
	"context"

	"github.com/callcycle/callcycle/internal/zones"
)

// LoadZones reads the kept list of zones: the configured ones (table
// zones), then the regions of every launched call in launch order. The
// CLI, the budget workflow (through KnownZones) and the annual report all
// read it here, so they agree on the kept spelling.
func LoadZones(ctx context.Context, q querier) (zones.List, error) {
	rows, err := q.Query(ctx, `SELECT zone FROM (
			SELECT zone, 0 AS part, recorded_at AS at, 0 AS pos FROM zones
			UNION ALL
			SELECT r.zone, 1, c.launched_at, r.pos FROM calls c,
				jsonb_array_elements_text(c.config->'regions') WITH ORDINALITY AS r(zone, pos)
		) z ORDER BY part, at, pos, zone`)
	if err != nil {
		return zones.List{}, err
	}
	defer rows.Close()
	var l zones.List
	for rows.Next() {
		var z string
		if err := rows.Scan(&z); err != nil {
			return zones.List{}, err
		}
		l.Add(z)
	}
	return l, rows.Err()
}

// KnownZonesInput is empty: the list comes from PostgreSQL, not from the
// caller.
type KnownZonesInput struct{}

// KnownZonesResult is the kept spellings, in list order.
type KnownZonesResult struct {
	Zones []string `json:"zones"`
}

// KnownZones gives the budget workflow the kept list, which its
// validators match zones against.
func (a *Activities) KnownZones(ctx context.Context, _ KnownZonesInput) (KnownZonesResult, error) {
	l, err := LoadZones(ctx, a.DB)
	if err != nil {
		return KnownZonesResult{}, err
	}
	return KnownZonesResult{Zones: l.Names()}, nil
}
