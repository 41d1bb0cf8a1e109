// What a customer's claim form (SH-8 delivery, GU-1…GU-4 guarantee) asks as
// evidence — a description and photos (at most PHOTOS_MAX of PHOTO_MAX_BYTES,
// checked by their bytes in the use case) — the wording of the photos'
// refusals, and reading the photos from the posted multipart body.
import { PHOTO_MAX_BYTES, PHOTO_TYPES, PHOTOS_MAX } from '../../domain/fulfilment/delivery-claims.js';
import type { Language } from './language.js';
import { uploadedFiles } from './multipart.js';

/** The largest claim form: its photos and 1 MB for the rest. */
export const CLAIM_FORM_LIMIT = PHOTOS_MAX * PHOTO_MAX_BYTES + 1024 * 1024;

const texts = {
  fr: {
    photos: (note: string) => `Photos (JPEG, PNG ou WebP, ${PHOTOS_MAX} au plus, 5 Mo chacune${note})`,
    refusals: {
      'claim.photo_type_not_allowed': 'Les photos doivent être des images JPEG, PNG ou WebP.',
      'claim.photo_too_large': 'Une photo dépasse 5 Mo.',
      'claim.too_many_photos': `${PHOTOS_MAX} photos au plus.`,
    },
  },
  en: {
    photos: (note: string) => `Photos (JPEG, PNG or WebP, at most ${PHOTOS_MAX}, 5 MB each${note})`,
    refusals: {
      'claim.photo_type_not_allowed': 'Photos must be JPEG, PNG or WebP images.',
      'claim.photo_too_large': 'A photo is larger than 5 MB.',
      'claim.too_many_photos': `At most ${PHOTOS_MAX} photos.`,
    },
  },
} as const;

/** The refusals of the photos (SH-8 checks), for the form's wording table. */
export const photoRefusals = (lang: Language): Readonly<Record<string, string>> => texts[lang].refusals;

/** The description and photo fields; `photosNote` ends the photos' label (when they are required). */
export function ClaimEvidenceFields(props: { lang: Language; description: string; photosNote: string; photosRequired: boolean }) {
  return (
    <>
      <label>
        {props.description}
        <textarea name="description" rows={4} maxLength={4000} required />
      </label>
      <label>
        {texts[props.lang].photos(props.photosNote)}
        <input type="file" name="photos" multiple accept={PHOTO_TYPES.join(',')} required={props.photosRequired} />
      </label>
    </>
  );
}

/** The photos posted with a claim form. */
export const claimPhotos = (body: unknown): Buffer[] => uploadedFiles(body, 'photos');
