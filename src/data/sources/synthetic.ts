// `synthetic:CLASSES:COUNT:CxHxW`: learnable generated data, for tests and benchmarks.
import { makeSynthetic } from '../synthetic';
import type { DataSourceKind } from './types';

export const SYNTHETIC: DataSourceKind = {
  name: 'synthetic',
  arg: ':CLASSES:COUNT:CxHxW',
  load: (arg, spec) => {
    const m = /^(\d+):(\d+):(\d+)x(\d+)x(\d+)$/.exec(arg);
    if (!m) throw new RangeError(`--data synthetic must be synthetic:CLASSES:COUNT:CxHxW, got '${spec}'`);
    const [classes, count, c, h, w] = m.slice(1).map(Number);
    if (classes < 2 || count < classes) throw new RangeError(`--data ${spec}: need at least 2 classes and one sample per class`);
    if (c < 1 || h < 1 || w < 1) throw new RangeError(`--data ${spec}: image sizes must be at least 1x1x1, got ${c}x${h}x${w}`);
    if (count * c * h * w > 2 ** 31 - 1) throw new RangeError(`--data ${spec}: ${count} images of ${c}x${h}x${w} are more than 2 GiB of pixels`);
    return makeSynthetic({ classes, count, shape: [c, h, w] });
  },
};
