import { describe } from 'vitest'
import { emulatorBackend } from './backends.js'
import { aliasScenarios } from './scenarios.js'

describe('end to end against the built-in emulator', () => aliasScenarios(emulatorBackend))
