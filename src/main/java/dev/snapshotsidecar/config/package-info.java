/** One typed, validated configuration: a YAML file with environment overrides, each key defined once in {@link dev.snapshotsidecar.config.ConfigDefinitions}. */
package dev.snapshotsidecar.config;
