/** asl-validator ships no types: the one function the tests call. */
declare module 'asl-validator' {
  function validator(definition: unknown): {
    readonly isValid: boolean;
    errorsText(separator?: string): string;
  };
  export = validator;
}
