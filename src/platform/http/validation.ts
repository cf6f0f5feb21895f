import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { memoizeValidationRules } from '../compat/class-validator.compat.js';
import { ProblemException } from './problem.js';

/** One field's validation messages. */
export interface FieldError {
  field: string;
  messages: string[];
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** The global pipe: whitelist, forbid unknown fields, transform; failures are 400 problem+json with `errors`. */
export function createValidationPipe(): ValidationPipe {
  memoizeValidationRules();
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return new ProblemException(400, 'validation-error', 'Bad Request', {
        detail: list.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; '),
        errors: list,
      });
    },
  });
}
