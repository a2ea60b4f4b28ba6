import { describe } from 'vitest'
import { motoBackend } from './backends.js'
import { aliasScenarios } from './scenarios.js'

describe('end to end against moto', () => aliasScenarios(motoBackend))
