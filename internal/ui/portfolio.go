package ui

import (
	"net/http"
	"net/url"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/workflows"
)

// portfolioData is the managers' page: the figures, the charts of them,
// and the way into the Temporal Web UI.
type portfolioData struct {
	operations.PortfolioResult
	Charts    []chart
	AllGrants string // the grant workflows in the Temporal Web UI
}

// portfolio: calls and grants by state, money committed and paid by
// year, kind and zone.
func (p *Pages) portfolio(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !p.staff(w, q, auth.ReadReports) {
		return
	}
	res, err := p.cfg.Service.Portfolio(r.Context(), q.actor(auth.ReadReports), operations.PortfolioInput{})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	l := q.loc
	same := func(k string) string { return k }
	kind := func(k string) string { return l.T("kind." + k) }
	committed, paid := l.T("portfolio.committed"), l.T("portfolio.paid")
	d := portfolioData{PortfolioResult: res}
	for _, c := range []struct {
		id, title, key string
		rows           []operations.Amounts
		label          func(string) string
	}{
		{"by-year", l.T("portfolio.by_year"), l.T("portfolio.year"), res.ByYear, same},
		{"by-kind", l.T("portfolio.by_kind"), l.T("portfolio.kind"), res.ByKind, kind},
		{"by-zone", l.T("portfolio.by_zone"), l.T("field.region"), res.ByZone, same},
	} {
		ch := moneyChart(c.id, c.title, committed, paid, c.rows, c.label)
		ch.KeyTitle = c.key
		d.Charts = append(d.Charts, ch)
	}
	if p.cfg.TemporalUI != "" {
		v := url.Values{"query": {`WorkflowType="` + workflows.GrantWorkflowName + `"`}}
		d.AllGrants = p.cfg.TemporalUI + "/namespaces/" + url.PathEscape(p.cfg.Namespace) + "/workflows?" + v.Encode()
	}
	p.render(w, q, http.StatusOK, "portfolio", l.T("portfolio.title"), d)
}
