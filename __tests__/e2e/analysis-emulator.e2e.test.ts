import { describe } from 'vitest'
import { analysisScenarios } from './analysis-scenarios.js'
import { emulatorBackend } from './backends.js'

describe('canary analysis end to end against the built-in emulator', () => analysisScenarios(emulatorBackend))
