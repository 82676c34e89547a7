export { matrixFactorization, MatrixFactorization, mfDefaults } from './mf.js'
export type { MatrixFactorizationOptions, MatrixFactorizationConfig } from './mf.js'
