ward_lang::declare_codes! {}
