package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// DefaultRetention is how long a cluster keeps a closed workflow's history
// (a closed grant's audit trail) before deleting it: ten years, as long
// as an audit of the grant may come. The dev server keeps 24 hours.
const DefaultRetention = 3650 * 24 * time.Hour

// ParseRetention reads a retention as Temporal's CLI writes it ("3650d")
// or as a Go duration ("72h"). Temporal refuses less than a day.
func ParseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil {
		return 0, fmt.Errorf("retention %q: want days (3650d) or a duration (72h)", s)
	}
	if d < 24*time.Hour {
		return 0, fmt.Errorf("retention %q: Temporal keeps closed workflows at least one day", s)
	}
	return d, nil
}

// FormatRetention writes a retention in days when it is whole days.
func FormatRetention(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// WorkflowSearchAttributes are the custom search attributes callcycle's
// workflows upsert (workflows.SearchAttributeTypes), as every kind of
// server is given them: the dev server by flag, a cluster by the operator
// API.
func WorkflowSearchAttributes() []SearchAttribute {
	sas := make([]SearchAttribute, 0, len(workflows.SearchAttributeTypes))
	for _, sa := range workflows.SearchAttributeTypes {
		sas = append(sas, SearchAttribute{Name: sa.Name, Type: sa.Type})
	}
	return sas
}

// NamespaceNotFoundError: a client was given a namespace its server does
// not have. Nothing was created.
type NamespaceNotFoundError struct{ Namespace, Address string }

func (e *NamespaceNotFoundError) Error() string {
	return fmt.Sprintf("Temporal at %s has no namespace %q (TEMPORAL_NAMESPACE): create it first, or name one that exists", e.Address, e.Namespace)
}

// DialNamespace connects to namespace at addr like DialTemporal, and
// fails with *NamespaceNotFoundError when the server does not have it: a
// worker or client given a wrong name should say so at once, not poll a
// namespace that never answers.
func DialNamespace(ctx context.Context, addr, ns string, clientLog io.Writer) (client.Client, error) {
	c, err := DialTemporal(ctx, addr, ns, nil, clientLog)
	if err != nil {
		return nil, err
	}
	if err := checkNamespace(ctx, c, addr, ns); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func checkNamespace(ctx context.Context, c client.Client, addr, ns string) error {
	_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	var nf *serviceerror.NamespaceNotFound
	if errors.As(err, &nf) {
		return &NamespaceNotFoundError{Namespace: ns, Address: addr}
	}
	if err != nil {
		return fmt.Errorf("describe namespace %s at %s: %w", ns, addr, err)
	}
	return nil
}

// ensureNamespace creates ns with the retention, or sets the retention of
// an existing one that differs (the office changed its setting).
func ensureNamespace(ctx context.Context, c client.Client, ns string, retention time.Duration) error {
	svc := c.WorkflowService()
	_, err := svc.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{Namespace: ns,
		Description:                      "callcycle",
		WorkflowExecutionRetentionPeriod: durationpb.New(retention)})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	if err == nil {
		return nil
	}
	d, err := svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err != nil {
		return fmt.Errorf("describe namespace %s: %w", ns, err)
	}
	if d.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() == retention {
		return nil
	}
	_, err = svc.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{Namespace: ns,
		Config: &namespace.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(retention)}})
	if err != nil {
		return fmt.Errorf("set the retention of namespace %s to %s: %w", ns, FormatRetention(retention), err)
	}
	return nil
}

// registerSearchAttributes adds those of sas the namespace lacks; one
// already there with another type is an error (a workflow upserting it
// would fail).
func registerSearchAttributes(ctx context.Context, c client.Client, ns string, sas []SearchAttribute) error {
	op := c.OperatorService()
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		return fmt.Errorf("list search attributes of %s: %w", ns, err)
	}
	add := map[string]enums.IndexedValueType{}
	for _, sa := range sas {
		want, err := enums.IndexedValueTypeFromString(sa.Type)
		if err != nil {
			return fmt.Errorf("search attribute %s: %w", sa.Name, err)
		}
		got, ok := have.GetCustomAttributes()[sa.Name]
		switch {
		case !ok:
			add[sa.Name] = want
		case got != want:
			return fmt.Errorf("search attribute %s of namespace %s is a %s, callcycle needs a %s", sa.Name, ns, got, want)
		}
	}
	if len(add) == 0 {
		return nil
	}
	if _, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: ns, SearchAttributes: add}); err != nil {
		return fmt.Errorf("add search attributes to %s: %w", ns, err)
	}
	return nil
}

// namespaceUsable waits until the frontend serves ns with its search
// attributes: a namespace just created reaches the frontend's cache a
// moment later, and a worker polling before that is refused.
func namespaceUsable(ctx context.Context, c client.Client, ns string, sas []SearchAttribute) error {
	query := ""
	if len(sas) > 0 {
		query = sas[0].Name + " = 'probe'"
		if sas[0].Type != "Keyword" {
			query = ""
		}
	}
	ctx, cancel := within(ctx, time.Minute)
	defer cancel()
	var last error
	err := waitReady(ctx, nil, "namespace "+ns, func(ctx context.Context) bool {
		_, last = c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: ns, Query: query})
		return last == nil
	})
	if err != nil {
		return fmt.Errorf("%w (last answer: %v)", err, last)
	}
	return nil
}
