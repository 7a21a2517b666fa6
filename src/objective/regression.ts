// What the regression losses (mse, l1, huber) report: mean absolute error and root mean squared
// error over every target (R^2 is worked out beside them, from the targets' spread).
export const regressionMetrics = ([absolute, squared]: readonly number[], outputs: number) => ({ mae: absolute / outputs, rmse: Math.sqrt(squared / outputs) });
