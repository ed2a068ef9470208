import type { Customer } from './lead';
import type { Fields } from './read-fields';

export function parseCustomer(fields: Fields): Customer {
  return {
    firstName: fields.text('FirstName'),
    lastName: fields.text('LastName'),
    email: fields.text('Email'),
    phone: fields.text('Phone'),
    country: fields.text('Country'),
    company: fields.text('Company'),
    title: fields.text('Title'),
  };
}
