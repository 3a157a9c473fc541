'use strict';
// The Prescription aggregate's fold: what a service already has, written here in JavaScript. This is the only file a
// team replaces with its own aggregates' code (or the module that already holds it). It mirrors the sidecar's
// built-in Java aggregator clinical.prescription, field for field.

// Bump when the state's JSON form changes: the sidecar notices through /describe and rebuilds this type's snapshots.
const schemaVersion = 1;

// A refusal the host turns into a 422: the sidecar fails the stream with this error code and reason. A reason must
// never quote event data or state (it ends up in the sidecar's results and logs).
class Rejection extends Error {
  constructor(error, reason) {
    super(reason);
    this.error = error;
  }
}

function initial() {
  return {
    prescriptionId: '', patientId: '', drug: '', dose: '', unit: '', frequency: '', prescriber: '',
    status: 'NEW', doseChanges: 0, administrations: 0, lastAdministeredAt: '', statusReason: '',
  };
}

function text(data, field) {
  const value = data[field];
  if (value === undefined || value === null) {
    throw new Rejection('invariant-violated', `missing field ${field}`);
  }
  return String(value);
}

// The state after one event; never mutates its arguments.
function apply(state, event) {
  const data = event.data || {};
  switch (event.type) {
    case 'PrescriptionCreated':
      return {
        ...initial(),
        prescriptionId: text(data, 'prescriptionId'), patientId: text(data, 'patientId'), drug: text(data, 'drug'),
        dose: text(data, 'dose'), unit: text(data, 'unit'), frequency: text(data, 'frequency'),
        prescriber: text(data, 'prescriber'), status: 'ACTIVE',
      };
    case 'DoseChanged':
      return { ...state, dose: text(data, 'dose'), unit: text(data, 'unit'), statusReason: text(data, 'reason'),
        doseChanges: state.doseChanges + 1 };
    case 'DoseAdministered':
      if (state.status !== 'ACTIVE') {
        throw new Rejection('invariant-violated', `dose administered while ${state.status}`);
      }
      return { ...state, administrations: state.administrations + 1, lastAdministeredAt: text(data, 'at') };
    case 'PrescriptionPaused':
      return { ...state, status: 'PAUSED', statusReason: text(data, 'reason') };
    case 'PrescriptionResumed':
      return { ...state, status: 'ACTIVE', statusReason: '' };
    case 'PrescriptionDiscontinued':
      return { ...state, status: 'DISCONTINUED', statusReason: text(data, 'reason') };
    default:
      // a snapshot that silently skipped an event would be wrong, and the service would trust it
      throw new Rejection('unknown-event-type', `unknown event type ${event.type}`);
  }
}

module.exports = { schemaVersion, initial, apply, Rejection };
