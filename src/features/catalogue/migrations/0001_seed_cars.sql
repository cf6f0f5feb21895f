-- Seed: 1,000 cars, deterministic (the same fleet on every database), 10 makes with 4 models each.
INSERT INTO "cars" ("make", "model", "year", "daily_price", "currency", "available")
SELECT
  (ARRAY['Toyota','Volkswagen','Ford','BMW','Audi','Mercedes-Benz','Renault','Peugeot','Tesla','Kia'])[1 + (g % 10)],
  (ARRAY[
    'Yaris','Corolla','RAV4','Prius',
    'Golf','Polo','Passat','Tiguan',
    'Fiesta','Focus','Puma','Kuga',
    '1 Series','3 Series','5 Series','X3',
    'A1','A3','A4','Q5',
    'A-Class','C-Class','E-Class','GLC',
    'Clio','Megane','Captur','Zoe',
    '208','308','2008','3008',
    'Model 3','Model Y','Model S','Model X',
    'Picanto','Rio','Ceed','Sportage'
  ])[1 + (g % 10) * 4 + ((g / 10) % 4)],
  2014 + (g % 11),
  2900 + ((g * 37) % 17100),
  (ARRAY['EUR','USD','GBP'])[1 + (g % 3)],
  (g % 9) <> 0
FROM generate_series(1, 1000) AS g;
