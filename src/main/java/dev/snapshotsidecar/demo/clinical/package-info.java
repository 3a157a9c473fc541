/** The clinical example of the article this project starts from: Patient and Prescription aggregators, built in, and a generator of realistic clinical events. */
package dev.snapshotsidecar.demo.clinical;
