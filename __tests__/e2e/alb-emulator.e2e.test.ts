import { describe } from 'vitest'
import { emulatorAlbBackend } from './alb-backends.js'
import { albScenarios } from './alb-scenarios.js'

describe('ALB mode end to end against the built-in emulator', () => albScenarios(emulatorAlbBackend))
