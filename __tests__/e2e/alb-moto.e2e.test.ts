import { describe } from 'vitest'
import { motoAlbBackend } from './alb-backends.js'
import { albScenarios } from './alb-scenarios.js'

describe('ALB mode end to end against moto', () => albScenarios(motoAlbBackend))
