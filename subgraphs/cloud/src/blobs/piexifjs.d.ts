// piexifjs ships no types: the part of its API the seed uses (EXIF data as a "binary string", one char per byte).
declare module 'piexifjs' {
  type Rational = [number, number];
  type ExifValue = string | number | number[] | Rational | Rational[];
  interface ExifDict {
    '0th'?: Record<number, ExifValue>;
    Exif?: Record<number, ExifValue>;
    GPS?: Record<number, ExifValue>;
  }
  const piexif: {
    dump(exif: ExifDict): string;
    insert(exif: string, jpeg: string): string;
    ImageIFD: Record<string, number>;
    ExifIFD: Record<string, number>;
    GPSIFD: Record<string, number>;
  };
  export default piexif;
}
