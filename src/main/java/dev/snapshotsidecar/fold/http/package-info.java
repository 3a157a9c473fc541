/**
 * The service's own fold over HTTP: protocol version 1 ({@code docs/fold-protocol/}), the endpoint client (JDK
 * HttpClient, bounded concurrency, circuit breaker, retries, bearer token or mutual TLS, describe calls) and the
 * {@link dev.snapshotsidecar.fold.Fold} that uses it. No Kafka, no JDBC.
 */
package dev.snapshotsidecar.fold.http;
