// `images:DIR` (class folders, or DIR/train and DIR/test) and `images:MANIFEST.csv` (path,label
// or path,TARGET...), decoded by sharp into a cached uint8 tensor file; see src/data/images.
import { loadImageFolder } from '../images/load';
import { parseShare, splitDataOptions } from '../spec-options';
import type { DataSourceKind } from './types';

const OPTIONS = { size: 'value', channels: 'value', fit: 'value', 'test-share': 'value', test: 'value', 'skip-unreadable': 'flag', cache: 'value' } as const;

export const IMAGES: DataSourceKind = {
  name: 'images',
  arg: ':DIR|MANIFEST.csv[:size=HxW][:channels=1|3][:fit=crop|pad][:test-share=F][:test=MANIFEST2][:skip-unreadable][:cache=DIR|off]',
  async: true,
  load: (arg, _spec, context) => {
    const { path, options } = splitDataOptions('images', arg, OPTIONS);
    if (!path) throw new RangeError('--data images needs a folder or a manifest: images:DIR or images:FILE.csv');
    const sizeText = options.get('size');
    const size = sizeText === undefined ? undefined : /^(\d+)x(\d+)$/.exec(sizeText);
    if (size === null || (size && (+size[1] < 1 || +size[2] < 1 || +size[1] > 8192 || +size[2] > 8192))) {
      throw new RangeError(`--data images: size must be HxW with each side from 1 to 8192 (size=64x64), got '${sizeText}'`);
    }
    const channels = options.get('channels');
    if (channels !== undefined && channels !== '1' && channels !== '3') throw new RangeError(`--data images: channels must be 1 (grey) or 3 (RGB), got '${channels}'`);
    const fit = options.get('fit') ?? 'crop';
    if (fit !== 'crop' && fit !== 'pad') throw new RangeError(`--data images: fit must be crop (shorter side fits, centre-cropped) or pad (longer side fits, black borders), got '${fit}'`);
    const cache = options.get('cache');
    const like = context.like?.image;
    if (like) {
      // Data read for a trained model: its decode, unless the spec asks for exactly that anyway.
      const asked = { height: size ? Number(size[1]) : like.height, width: size ? Number(size[2]) : like.width, channels: channels === undefined ? like.channels : Number(channels), fit: options.get('fit') ?? like.fit };
      if (asked.height !== like.height || asked.width !== like.width || asked.channels !== like.channels || asked.fit !== like.fit) {
        throw new RangeError(`--data images: the model was trained on images decoded to ${like.channels}x${like.height}x${like.width} (fit ${like.fit}); this spec asks for ${asked.channels}x${asked.height}x${asked.width} (fit ${asked.fit}): leave size, channels and fit out to read them as the model did`);
      }
    }
    return loadImageFolder(path, {
      size: like ? [like.height, like.width] : size ? [Number(size[1]), Number(size[2])] : undefined,
      channels: like ? like.channels : channels === undefined ? undefined : (Number(channels) as 1 | 3),
      fit: like ? like.fit : (fit as 'crop' | 'pad'),
      testShare: options.has('test-share') ? parseShare('images', 'test-share', options.get('test-share')!) : undefined,
      seed: context.seed,
      test: options.get('test'),
      skipUnreadable: options.has('skip-unreadable'),
      cache: cache === 'off' ? false : cache,
      log: context.log,
    });
  },
};
