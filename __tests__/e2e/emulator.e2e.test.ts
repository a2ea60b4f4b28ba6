import { describe } from 'vitest'
import { contractCheck } from '../../__fixtures__/contract.js'
import { emulatorBackend } from './backends.js'
import { aliasScenarios } from './scenarios.js'

describe('end to end against the built-in emulator', () => aliasScenarios(emulatorBackend))

// Contract: every response the emulator sends to the bundled action matches the service's published API model.
contractCheck()
