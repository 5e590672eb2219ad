/**
 * Word lists the generator draws from. Hand-written so that the text is stable
 * across dependency upgrades. None of the known search terms in dataset.ts may
 * appear here (a test checks it), which keeps those terms unique at every scale.
 */

/** A product attribute (a jsonb key) and the values it may take. */
export interface Spec {
  key: string;
  values: readonly (string | number | boolean | readonly string[])[];
}

export interface Leaf {
  name: string;
  slug: string;
  description: string;
  nouns: readonly string[];
  /** Price range in cents. */
  price: readonly [number, number];
}

export interface Department {
  name: string;
  slug: string;
  description: string;
  materials: readonly string[];
  features: readonly string[];
  uses: readonly string[];
  tags: readonly string[];
  specs: readonly Spec[];
  leaves: readonly Leaf[];
}

export const DEPARTMENTS: readonly Department[] = [
  {
    name: 'Kitchen',
    slug: 'kitchen',
    description: 'Cookware, appliances and tableware for everyday cooking and hosting.',
    materials: ['tri-ply stainless steel', 'enamelled cast iron', 'hard-anodised aluminium', 'borosilicate glass', 'glazed stoneware', 'food-grade silicone'],
    features: ['an induction-ready base', 'stay-cool handles', 'a dishwasher-safe finish', 'a non-stick ceramic coating', 'precise temperature control', 'a one-touch pulse mode', 'a removable drip tray', 'a built-in timer with auto shut-off', 'riveted handles', 'a tempered glass lid'],
    uses: ['for quick weeknight dinners', 'for slow Sunday roasts', 'for batch cooking and meal prep', 'for hosting dinner parties', 'for small apartment kitchens'],
    tags: ['kitchen', 'cooking', 'dishwasher safe', 'induction', 'meal prep', 'hosting'],
    specs: [
      { key: 'capacity_l', values: [0.5, 1, 1.5, 1.7, 2, 3.5, 5] },
      { key: 'dishwasher_safe', values: [true, false] },
      { key: 'induction_ready', values: [true, false] },
      { key: 'power_w', values: [600, 900, 1200, 1500, 2200] },
    ],
    leaves: [
      { name: 'Cookware', slug: 'cookware', description: 'Pans, pots and ovenware.', nouns: ['skillet', 'saucepan', 'stockpot', 'wok', 'dutch oven', 'roasting pan', 'saute pan'], price: [1999, 24999] },
      { name: 'Small Appliances', slug: 'small-appliances', description: 'Countertop machines that save time.', nouns: ['blender', 'toaster', 'electric kettle', 'rice cooker', 'air fryer', 'stand mixer', 'food processor'], price: [2499, 39999] },
      { name: 'Tableware', slug: 'tableware', description: 'Plates, bowls, glasses and cutlery.', nouns: ['dinner plate set', 'stoneware mug', 'salad bowl', 'tumbler set', 'serving platter', 'cutlery set'], price: [999, 12999] },
    ],
  },
  {
    name: 'Electronics',
    slug: 'electronics',
    description: 'Audio, computing accessories and smart home devices.',
    materials: ['recycled aluminium', 'matte polycarbonate', 'soft-touch plastic', 'anodised aluminium', 'woven fabric'],
    features: ['active noise cancellation', 'Bluetooth 5.3 with multipoint pairing', 'a USB-C fast-charging port', 'up to 40 hours of battery life', 'voice assistant support', 'a companion app with firmware updates', 'low-latency wireless mode', 'Wi-Fi 6 connectivity', 'a hot-swappable switch plate', 'an adjustable 4K sensor'],
    uses: ['for long commutes', 'for a tidy home office', 'for late-night gaming sessions', 'for video calls and streaming', 'for automating a busy household'],
    tags: ['electronics', 'wireless', 'bluetooth', 'usb-c', 'smart home', 'home office', 'audio'],
    specs: [
      { key: 'battery_hours', values: [8, 12, 20, 30, 40, 60] },
      { key: 'connectivity', values: [['bluetooth'], ['bluetooth', 'usb-c'], ['wifi'], ['wifi', 'zigbee'], ['usb-c']] },
      { key: 'water_resistance', values: ['none', 'IPX4', 'IPX5', 'IP67'] },
      { key: 'power_w', values: [5, 10, 18, 30, 65] },
    ],
    leaves: [
      { name: 'Audio', slug: 'audio', description: 'Headphones, speakers and turntables.', nouns: ['over-ear headphones', 'wireless earbuds', 'Bluetooth speaker', 'soundbar', 'turntable', 'studio monitor'], price: [2999, 49999] },
      { name: 'Computing', slug: 'computing', description: 'Keyboards, mice, hubs and displays.', nouns: ['mechanical keyboard', 'wireless mouse', 'USB-C hub', 'laptop stand', '27-inch monitor', 'webcam'], price: [1999, 59999] },
      { name: 'Smart Home', slug: 'smart-home', description: 'Connected plugs, lights and cameras.', nouns: ['smart plug', 'video doorbell', 'smart thermostat', 'smart bulb', 'security camera', 'motion sensor'], price: [1499, 29999] },
    ],
  },
  {
    name: 'Outdoors',
    slug: 'outdoors',
    description: 'Camping, hiking and cycling gear.',
    materials: ['ripstop nylon', 'recycled polyester', 'aluminium alloy', 'waxed canvas', 'merino wool blend', 'carbon fibre'],
    features: ['a waterproof 3-layer shell', 'taped seams', 'reflective trims for visibility', 'a packable stuff sack', 'a ventilated back panel', 'an adjustable harness', 'a rechargeable battery', 'a carabiner clip', 'storm flaps and guy lines'],
    uses: ['for weekend camping trips', 'for alpine day hikes', 'for rainy bike commutes', 'for festival season', 'for multi-day trekking'],
    tags: ['outdoors', 'camping', 'hiking', 'cycling', 'waterproof', 'lightweight', 'travel'],
    specs: [
      { key: 'waterproof_mm', values: [1500, 3000, 5000, 10000, 20000] },
      { key: 'capacity_l', values: [10, 18, 24, 30, 45, 65] },
      { key: 'season_rating', values: ['summer', '3-season', '4-season'] },
      { key: 'packed_size_cm', values: ['20x12', '35x18', '45x25'] },
    ],
    leaves: [
      { name: 'Camping', slug: 'camping', description: 'Shelter, sleep and camp kitchen.', nouns: ['two-person tent', 'sleeping bag', 'camping stove', 'headlamp', 'camp chair', 'lantern'], price: [1499, 44999] },
      { name: 'Hiking', slug: 'hiking', description: 'Packs, poles and trail essentials.', nouns: ['daypack', 'trekking poles', 'hiking boots', 'water filter', 'rain jacket', 'trail gaiters'], price: [1999, 27999] },
      { name: 'Cycling', slug: 'cycling', description: 'Helmets, lights and bike accessories.', nouns: ['bike helmet', 'bike light set', 'saddle bag', 'floor pump', 'cycling gloves', 'bike lock'], price: [1299, 19999] },
    ],
  },
  {
    name: 'Apparel',
    slug: 'apparel',
    description: 'Clothing, footwear and accessories.',
    materials: ['organic cotton', 'merino wool', 'full-grain leather', 'recycled nylon', 'linen', 'brushed fleece'],
    features: ['a relaxed fit', 'flatlock seams', 'a water-repellent finish', 'hidden zip pockets', 'a cushioned insole', 'adjustable cuffs', 'a breathable mesh lining', 'reinforced stitching'],
    uses: ['for cold city mornings', 'for travel days', 'for everyday wear', 'for weekend adventures', 'for the office and beyond'],
    tags: ['apparel', 'clothing', 'organic', 'sustainable', 'unisex', 'winter', 'summer'],
    specs: [
      { key: 'sizes', values: [['XS', 'S', 'M', 'L', 'XL'], ['S', 'M', 'L'], ['38', '39', '40', '41', '42', '43', '44'], ['one size']] },
      { key: 'fit', values: ['regular', 'slim', 'relaxed', 'oversized'] },
      { key: 'machine_washable', values: [true, false] },
      { key: 'gender', values: ['unisex', 'women', 'men'] },
    ],
    leaves: [
      { name: 'Outerwear', slug: 'outerwear', description: 'Jackets, coats and vests.', nouns: ['parka', 'fleece jacket', 'windbreaker', 'puffer vest', 'trench coat'], price: [3999, 34999] },
      { name: 'Footwear', slug: 'footwear', description: 'Shoes, boots and sandals.', nouns: ['running shoes', 'canvas sneakers', 'chelsea boots', 'sandals', 'slippers'], price: [2999, 22999] },
      { name: 'Accessories', slug: 'accessories', description: 'Scarves, belts, hats and bags.', nouns: ['wool scarf', 'leather belt', 'beanie', 'sunglasses', 'card wallet', 'tote bag'], price: [999, 14999] },
    ],
  },
  {
    name: 'Home',
    slug: 'home',
    description: 'Furniture, bedding and lighting.',
    materials: ['solid oak', 'powder-coated steel', 'washed linen', 'bamboo', 'walnut veneer', 'organic cotton sateen'],
    features: ['tool-free assembly', 'a dimmable warm-white LED', 'a removable washable cover', 'height-adjustable legs', 'hidden cable management', 'a hypoallergenic fill', 'a scratch-resistant finish', 'anti-tip wall fixings'],
    uses: ['for small living rooms', 'for a calm bedroom', 'for a focused home office', 'for rental apartments', 'for a cosy reading nook'],
    tags: ['home', 'furniture', 'bedroom', 'living room', 'lighting', 'sustainable'],
    specs: [
      { key: 'dimensions_cm', values: ['40x40x45', '80x40x180', '120x60x75', '140x70x72', '200x220'] },
      { key: 'assembly_required', values: [true, false] },
      { key: 'max_load_kg', values: [15, 30, 80, 120] },
      { key: 'bulb', values: ['E27 LED', 'integrated LED', 'GU10 LED'] },
    ],
    leaves: [
      { name: 'Furniture', slug: 'furniture', description: 'Shelves, desks, tables and chairs.', nouns: ['bookshelf', 'office chair', 'coffee table', 'standing desk', 'bedside table'], price: [4999, 89999] },
      { name: 'Bedding', slug: 'bedding', description: 'Duvets, pillows and sheets.', nouns: ['duvet', 'pillow pair', 'sheet set', 'weighted blanket', 'mattress topper'], price: [2499, 24999] },
      { name: 'Lighting', slug: 'lighting', description: 'Lamps and light fittings.', nouns: ['floor lamp', 'desk lamp', 'pendant light', 'string lights', 'wall sconce'], price: [1499, 29999] },
    ],
  },
  {
    name: 'Sports & Fitness',
    slug: 'sports-fitness',
    description: 'Yoga, strength and running equipment.',
    materials: ['natural rubber', 'cast iron', 'TPE foam', 'cork', 'stretch nylon', 'neoprene'],
    features: ['a non-slip textured surface', 'colour-coded weights', 'a sweat-wicking fabric', 'GPS and heart-rate tracking', 'a compact storage design', 'printed alignment lines', 'a knurled grip'],
    uses: ['for home workouts', 'for morning yoga', 'for marathon training', 'for small-space gyms', 'for recovery days'],
    tags: ['fitness', 'yoga', 'strength', 'running', 'home gym', 'training'],
    specs: [
      { key: 'weight_kg', values: [0.5, 1, 2, 4, 8, 12, 16, 24] },
      { key: 'thickness_mm', values: [3, 4, 6, 8] },
      { key: 'water_resistance', values: ['none', '5 ATM', 'IP67'] },
      { key: 'level', values: ['beginner', 'intermediate', 'advanced'] },
    ],
    leaves: [
      { name: 'Yoga', slug: 'yoga', description: 'Mats, blocks and straps.', nouns: ['yoga mat', 'yoga block', 'foam roller', 'yoga strap', 'meditation cushion'], price: [999, 12999] },
      { name: 'Strength', slug: 'strength', description: 'Weights and resistance training.', nouns: ['dumbbell set', 'kettlebell', 'resistance bands', 'pull-up bar', 'weight bench'], price: [1999, 39999] },
      { name: 'Running', slug: 'running', description: 'Watches, belts and vests for runners.', nouns: ['running belt', 'sports watch', 'hydration vest', 'running cap', 'compression socks'], price: [1299, 44999] },
    ],
  },
  {
    name: 'Toys & Games',
    slug: 'toys-games',
    description: 'Board games, puzzles and building sets.',
    materials: ['FSC-certified wood', 'recycled cardboard', 'ABS plastic', 'linen-finish cards', 'beech wood'],
    features: ['rules that take five minutes to learn', 'a storage tray for every piece', 'replayable scenarios', 'a poster-sized reference image', 'compatible expansion packs', 'a cooperative game mode'],
    uses: ['for family game nights', 'for rainy afternoons', 'for curious kids', 'for parties with friends', 'for quiet evenings'],
    tags: ['toys', 'games', 'family', 'kids', 'puzzle', 'gift idea'],
    specs: [
      { key: 'age_min', values: [3, 6, 8, 10, 12, 14] },
      { key: 'players', values: ['1', '1-4', '2-4', '2-6', '3-8'] },
      { key: 'pieces', values: [100, 250, 500, 1000, 2000] },
      { key: 'play_minutes', values: [15, 30, 45, 60, 90] },
    ],
    leaves: [
      { name: 'Board Games', slug: 'board-games', description: 'Strategy, party and family games.', nouns: ['strategy board game', 'party game', 'card game', 'dice game', 'cooperative adventure game'], price: [1499, 7999] },
      { name: 'Puzzles', slug: 'puzzles', description: 'Jigsaws and brain teasers.', nouns: ['jigsaw puzzle', '3D puzzle', 'puzzle box', 'logic puzzle set'], price: [999, 4999] },
      { name: 'Building Sets', slug: 'building-sets', description: 'Construction and engineering kits.', nouns: ['building block set', 'marble run', 'robot kit', 'wooden train set'], price: [1999, 14999] },
    ],
  },
  {
    name: 'Beauty & Care',
    slug: 'beauty-care',
    description: 'Skincare, hair care and bath products.',
    materials: ['aloe vera', 'shea butter', 'argan oil', 'hyaluronic acid', 'green tea extract', 'oat extract'],
    features: ['a fragrance-free formula', 'a refillable glass bottle', 'dermatologist-tested ingredients', 'SPF 30 protection', 'a vegan and cruelty-free formula', 'a lightweight non-greasy texture'],
    uses: ['for sensitive skin', 'for a quick morning routine', 'for dry winter months', 'for a relaxing evening bath', 'for curly and coily hair'],
    tags: ['beauty', 'skincare', 'vegan', 'cruelty free', 'natural', 'self care'],
    specs: [
      { key: 'volume_ml', values: [30, 50, 100, 200, 250, 500] },
      { key: 'skin_type', values: ['all', 'dry', 'oily', 'sensitive', 'combination'] },
      { key: 'vegan', values: [true, false] },
      { key: 'scent', values: ['unscented', 'lavender', 'citrus', 'cedarwood', 'rose'] },
    ],
    leaves: [
      { name: 'Skincare', slug: 'skincare', description: 'Cleansers, serums and moisturisers.', nouns: ['face serum', 'moisturiser', 'gentle cleanser', 'sunscreen', 'eye cream'], price: [899, 6999] },
      { name: 'Hair Care', slug: 'hair-care', description: 'Shampoos, conditioners and styling.', nouns: ['shampoo', 'conditioner', 'hair mask', 'styling cream', 'hair dryer'], price: [699, 19999] },
      { name: 'Bath', slug: 'bath', description: 'Soaps, salts and towels.', nouns: ['bath salts', 'body wash', 'bar soap trio', 'bath towel set', 'bath robe'], price: [599, 9999] },
    ],
  },
];

export const BRANDS: readonly string[] = [
  'Northwind', 'Bluefin', 'Larkspur', 'Ironbark', 'Cobaltline', 'Meadowbrook', 'Tidewater', 'Pinecrest',
  'Solstice', 'Hearthstone', 'Kestrel', 'Foxglove', 'Brightwell', 'Oakhaven', 'Redwood Labs', 'Nimbus',
  'Lumen & Co', 'Granite Peak', 'Silverbirch', 'Wildroot', 'Copperleaf', 'Harborview', 'Driftwood', 'Emberly',
  'Vantage', 'Aster', 'Juniper', 'Trailhead', 'Ravenscroft', 'Saltmarsh',
];

export const ADJECTIVES: readonly string[] = [
  'compact', 'lightweight', 'durable', 'premium', 'ergonomic', 'classic', 'modern', 'rugged', 'minimalist',
  'versatile', 'portable', 'heavy-duty', 'foldable', 'quiet', 'cordless', 'eco-friendly', 'handcrafted', 'everyday',
];

export const MODEL_SUFFIXES: readonly string[] = ['', '', '', ' Pro', ' Plus', ' Mini', ' Max', ' Lite', ' II', ' X', ' S'];

export const COLOURS: readonly string[] = [
  'charcoal', 'slate grey', 'forest green', 'navy', 'sand', 'terracotta', 'ivory', 'mustard', 'sky blue',
  'burgundy', 'matte black', 'olive', 'blush pink', 'arctic white',
];

/** Completes "Made from <material> and ...", for singular and plural nouns alike. */
export const BENEFITS: readonly string[] = [
  'built for years of daily use', 'light without feeling flimsy', 'easy to wipe clean',
  'resistant to scratches and stains', 'designed to hold up wash after wash', 'solid in the hand',
];

export const AUDIENCES: readonly string[] = [
  'first-time buyers', 'busy families', 'students', 'frequent travellers', 'professionals', 'gift shoppers',
  'beginners and experts alike', 'anyone short on space',
];

export const GENERAL_TAGS: readonly string[] = ['bestseller', 'new arrival', 'gift idea', 'eco-friendly', 'limited edition', 'staff pick'];

export const FIRST_NAMES: readonly string[] = [
  'Olivia', 'Liam', 'Amara', 'Noah', 'Sofia', 'Mateo', 'Yuki', 'Arjun', 'Chloe', 'Lucas', 'Ingrid', 'Kwame',
  'Elena', 'Hiroshi', 'Fatima', 'Oscar', 'Priya', 'Jonas', 'Isabela', 'Tomasz', 'Aisha', 'Finn', 'Mei', 'Diego',
  'Freya', 'Omar', 'Lena', 'Rafael', 'Zara', 'Henrik', 'Nadia', 'Samuel', 'Ayumi', 'Carlos', 'Emma', 'Tariq',
  'Ruth', 'Mikael', 'Leila', 'Daniel', 'Saanvi', 'Patrick', 'Hana', 'Luca', 'Ines', 'Kofi', 'Maya', 'Erik',
  'Valentina', 'Ravi', 'Clara', 'Jamal', 'Astrid', 'Pedro', 'Nora', 'Kenji', 'Alice', 'Sipho', 'Julia', 'Ahmed',
];

export const LAST_NAMES: readonly string[] = [
  'Smith', 'Garcia', 'Nakamura', 'Okafor', 'Müller', 'Rossi', 'Kowalski', 'Andersson', 'Patel', 'Dubois',
  'Silva', 'Kim', 'Haddad', "O'Brien", 'Jensen', 'Fernández', 'Tanaka', 'Mensah', 'Novak', 'Schmidt', 'Lopez',
  'Ivanova', 'Chen', 'Nguyen', 'Martin', 'Costa', 'Larsen', 'Moreau', 'Sharma', 'Brown', 'Wilson', 'Yilmaz',
  'Van Dijk', 'Murphy', 'Santos', 'Becker', 'Ali', 'Lindqvist', 'Takahashi', 'Walker', 'Hughes', 'Romano',
  'Kaur', 'Dlamini', 'Bergström', 'Herrera', 'Park', 'Fischer',
];

/** ISO 3166-1 alpha-2 code, a few cities, and a relative weight. */
export const COUNTRIES: readonly (readonly [string, readonly string[], number])[] = [
  ['US', ['New York', 'Chicago', 'Austin', 'Seattle', 'Denver', 'Atlanta'], 30],
  ['GB', ['London', 'Manchester', 'Leeds', 'Bristol', 'Glasgow'], 12],
  ['DE', ['Berlin', 'Munich', 'Hamburg', 'Cologne', 'Leipzig'], 11],
  ['FR', ['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes'], 9],
  ['ES', ['Madrid', 'Barcelona', 'Valencia', 'Seville'], 6],
  ['IT', ['Rome', 'Milan', 'Turin', 'Bologna'], 6],
  ['NL', ['Amsterdam', 'Rotterdam', 'Utrecht'], 4],
  ['SE', ['Stockholm', 'Gothenburg', 'Malmö'], 3],
  ['CA', ['Toronto', 'Montréal', 'Vancouver', 'Calgary'], 6],
  ['AU', ['Sydney', 'Melbourne', 'Brisbane', 'Perth'], 5],
  ['JP', ['Tokyo', 'Osaka', 'Kyoto', 'Sapporo'], 5],
  ['BR', ['São Paulo', 'Rio de Janeiro', 'Curitiba'], 4],
  ['IN', ['Bengaluru', 'Mumbai', 'Pune', 'Delhi'], 5],
  ['PL', ['Warsaw', 'Kraków', 'Gdańsk'], 3],
  ['IE', ['Dublin', 'Cork', 'Galway'], 2],
  ['NZ', ['Auckland', 'Wellington'], 1],
  ['ZA', ['Cape Town', 'Johannesburg'], 2],
  ['KR', ['Seoul', 'Busan'], 2],
  ['NO', ['Oslo', 'Bergen'], 2],
  ['MX', ['Mexico City', 'Guadalajara', 'Monterrey'], 3],
];

export const EMAIL_DOMAINS: readonly string[] = ['example.com', 'example.org', 'example.net', 'mail.example.com'];

export const ORDER_NOTES: readonly string[] = [
  'Please leave the parcel with a neighbour.',
  'Gift wrap, please.',
  'Deliver after 5 pm on weekdays.',
  'Birthday present: please leave the invoice out of the box.',
  'Ring the bell twice; the buzzer is broken.',
  'Leave at the back door if nobody answers.',
  'Please use recyclable packaging.',
  'Call on arrival, flat 4B.',
];

export const REVIEW_TITLES: Readonly<Record<'good' | 'mixed' | 'bad', readonly string[]>> = {
  good: ['Exactly what I needed', 'Great value', 'Works perfectly', 'Better than expected', 'Would buy again', 'Solid and well made', 'Love it', 'Five stars from me'],
  mixed: ['Does the job', 'Decent, with caveats', 'Okay for the price', 'Mixed feelings', 'Good but not great'],
  bad: ['Disappointed', 'Stopped working', 'Not as described', 'Poor quality', 'Sent it back'],
};

/** `{noun}` is replaced by the product's noun. */
export const REVIEW_SENTENCES: Readonly<Record<'good' | 'mixed' | 'bad', readonly string[]>> = {
  good: [
    'The {noun} arrived quickly and was well packaged.',
    'Setup took five minutes and it has worked flawlessly since.',
    'Build quality feels sturdy and the finish is lovely.',
    'I use the {noun} every day and it still looks new.',
    'My partner liked it so much that we ordered a second one.',
    'Great value compared with the big-name brands.',
    'Comfortable, practical and nicer in person than in the photos.',
  ],
  mixed: [
    'It works, but the instructions could be clearer.',
    'A good {noun} overall, though heavier than I expected.',
    'The colour is slightly different from the photos.',
    'Fine for occasional use; I am not sure it would survive daily use.',
    'Delivery was late, but the {noun} itself is decent.',
  ],
  bad: [
    'The {noun} stopped working after three weeks.',
    'Parts arrived scratched and one screw was missing.',
    'Customer support took a week to reply.',
    'It feels cheaper than the price suggests.',
    'I returned the {noun} and got a refund.',
  ],
};
