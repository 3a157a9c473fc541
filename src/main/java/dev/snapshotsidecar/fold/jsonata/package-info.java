/** Declarative folds: a JSONata expression per event type, from the configuration. */
package dev.snapshotsidecar.fold.jsonata;
