import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} .'&-]*$/u;
const MAX_PRICE = 100_000_000;

/** `GET /catalogue/cars` query. */
export class ListCarsQuery {
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;

  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsString()
  @Length(1, 50)
  make?: string;
}

/** `:id` of a car. */
export class CarIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  id!: number;
}

/** `POST /catalogue/cars`: every field but `id`. */
export class CreateCarDto {
  @IsString()
  @Length(1, 50)
  @Matches(NAME, { message: "make must be letters, digits, spaces and . ' & -" })
  make!: string;

  @IsString()
  @Length(1, 50)
  @Matches(NAME, { message: "model must be letters, digits, spaces and . ' & -" })
  model!: string;

  @IsInt()
  @Min(1886)
  @Max(2100)
  year!: number;

  /** Integer minor units (cents). */
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE)
  dailyPrice!: number;

  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency!: string;

  @IsBoolean()
  available!: boolean;
}

/** `PATCH /catalogue/cars/:id`: any of model, year, dailyPrice, available. */
export class UpdateCarDto {
  @IsOptional()
  @IsString()
  @Length(1, 50)
  @Matches(NAME, { message: "model must be letters, digits, spaces and . ' & -" })
  model?: string;

  @IsOptional()
  @IsInt()
  @Min(1886)
  @Max(2100)
  year?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE)
  dailyPrice?: number;

  @IsOptional()
  @IsBoolean()
  available?: boolean;
}
