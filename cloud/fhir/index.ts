// The FHIR export: a consultation's readings as a FHIR R4 Bundle of vital-signs Observations.
export { fhirRoutes, type FhirRoutesOptions } from './fhir-routes.js'
export { ConsultationReadings, consultationAt, consultationWindow, type ConsultationReadingsOptions, type ConsultationLookup, type HeldConsultation } from './consultation-readings.js'
export { vitalSignsBundle, vitalSampleOf, evenlySpaced, uuidV5, DEFAULT_MAX_PER_SERIES, type FhirBundle, type FhirObservation, type VitalSample, type BundleInput } from './vital-signs-bundle.js'
export { READING_NAMES, VITAL_SIGNS, BP_COMPONENTS, LOINC, UCUM, isReadingName, unitAccepted, type ReadingName } from './vital-signs.js'
