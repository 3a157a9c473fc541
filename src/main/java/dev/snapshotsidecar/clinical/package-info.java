/**
 * The clinical example of the article this project starts from, built in so that the chart's default configuration
 * runs as it is: the Patient and Prescription aggregators ({@code clinical.patient}, {@code clinical.prescription}).
 */
package dev.snapshotsidecar.clinical;
