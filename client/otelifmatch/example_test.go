package otelifmatch_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/otelifmatch"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// An Update whose first write is refused with 412: one span, an event per
// step, and the conflict counted.
func Example() {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	key := statedoc.Key{ActivityID: "https://example.com/courses/1",
		Agent: statedoc.Agent{Mbox: "mailto:ada@example.com"}, StateID: "progress"}
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusPreconditionFailed})

	// In-memory exporters; a program would use its own providers, or none
	// to use the global ones.
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	c, err := client.NewStateClient[map[string]int](srv.URL, &client.LRSOptions{Options: client.Options{
		HTTPClient: srv.Client(),
		Observer:   otelifmatch.New(otelifmatch.WithTracerProvider(tp), otelifmatch.WithMeterProvider(mp)),
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.Update(context.Background(), key, func(d map[string]int) (map[string]int, error) {
		d["page"]++
		return d, nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	for _, s := range spans.Ended() {
		var events []string
		for _, e := range s.Events() {
			events = append(events, e.Name)
		}
		fmt.Println(s.Name(), strings.Join(events, ", "))
		for _, kv := range s.Attributes() {
			switch kv.Key {
			case otelifmatch.AttrOutcome, otelifmatch.AttrAttempts:
				fmt.Printf("  %s=%s\n", kv.Key, kv.Value.Emit())
			}
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			for _, dp := range sum.DataPoints {
				line := fmt.Sprint(m.Name, " ", dp.Value)
				if result, ok := dp.Attributes.Value(otelifmatch.AttrResult); ok {
					line += " " + result.Emit()
				}
				fmt.Println(line)
			}
		}
	}
	// Output:
	// ifmatch.update join, exchange, exchange, lost, wait, exchange, exchange
	//   ifmatch.attempts=2
	//   ifmatch.outcome=updated
	// ifmatch.client.attempts 2
	// ifmatch.client.conflicts 1
	// ifmatch.client.operations 1 updated
}
