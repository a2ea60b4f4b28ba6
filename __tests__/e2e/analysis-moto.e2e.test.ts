import { describe } from 'vitest'
import { analysisScenarios } from './analysis-scenarios.js'
import { motoBackend } from './backends.js'

// moto's GetMetricData serves Sums of what the tests seed with PutMetricData; percentiles exist only on the built-in emulator.
describe('canary analysis end to end against moto', () => analysisScenarios(motoBackend))
