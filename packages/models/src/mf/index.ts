export { matrixFactorization, MatrixFactorization, mfDefaults } from './mf.js'
export type { MatrixFactorizationOptions, MatrixFactorizationConfig, MatrixFactorizationFitOptions } from './mf.js'
