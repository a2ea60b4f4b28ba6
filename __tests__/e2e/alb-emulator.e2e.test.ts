import { describe } from 'vitest'
import { contractCheck } from '../../__fixtures__/contract.js'
import { emulatorAlbBackend } from './alb-backends.js'
import { albScenarios } from './alb-scenarios.js'

describe('ALB mode end to end against the built-in emulator', () => albScenarios(emulatorAlbBackend))

// Contract: every response the emulator sends during these runs matches botocore's published models.
contractCheck()
