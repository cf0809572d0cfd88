//! Where every added item goes in the rewritten module's index spaces.

use wasm_encoder::ValType;

use crate::analyze::Info;
use crate::helpers::{Context, Helper};
use crate::meter::{Fuel, Interrupt};
use crate::{Added, AddedImport, AddedKind, InstrumentError, Options};

/// A function type added after the module's own types.
pub(crate) type Signature = (Vec<ValType>, Vec<ValType>);

#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// The module's own imported functions; indices from here on move up by `func_shift`.
    pub imported_funcs: u32,
    /// Added function imports.
    pub func_shift: u32,
    /// Added types; the first gets index `first_type`.
    pub first_type: u32,
    pub types: Vec<Signature>,
    /// Added imports (all from `RUNTIME_MODULE`): name and type index.
    pub imports: Vec<(&'static str, u32)>,
    /// Added global imports, placed first in the import section so that they take global
    /// indices from 0 and the module's own globals move up by their number: the fuel tank.
    pub global_imports: Vec<&'static str>,
    /// Added globals: type and initial value (all mutable).
    pub globals: Vec<(ValType, i64)>,
    pub fuel: Option<Fuel>,
    pub interrupt: Option<Interrupt>,
    /// Added functions, from index `first_helper`, with their type indices.
    pub first_helper: u32,
    pub helpers: Vec<(Helper, u32)>,
    /// Added function exports.
    pub exports: Vec<(&'static str, u32)>,
    /// The start function's new index, when it is exported instead of run at instantiation.
    pub moved_start: Option<u32>,
}

impl Layout {
    pub(crate) fn new(info: &Info, opts: &Options) -> Result<Layout, InstrumentError> {
        let mut l = Layout {
            imported_funcs: info.imported_funcs,
            first_type: info.types,
            ..Layout::default()
        };
        let mut next_global = info.globals;
        if opts.fuel {
            let ty = l.intern(vec![], vec![]);
            let out_of_fuel = l.import(crate::OUT_OF_FUEL_IMPORT, ty);
            // The tank is imported, not defined: the host makes one per store, so that every
            // instance linked into the store draws from it and a call through several modules
            // is charged to one tank.
            l.global_imports.push(crate::FUEL_IMPORT);
            l.fuel = Some(Fuel {
                global: 0,
                out_of_fuel,
            });
            next_global += 1;
        }
        if opts.interrupt {
            let ty = l.intern(vec![], vec![]);
            let check = l.import(crate::CHECK_IMPORT, ty);
            l.globals
                .push((ValType::I64, i64::from(crate::CHECK_INTERVAL)));
            l.interrupt = Some(Interrupt {
                global: next_global,
                check,
            });
        }
        l.first_helper = info.imported_funcs + l.func_shift + info.defined_funcs;
        let mut helpers = Vec::new();
        if opts.fuel {
            helpers.extend([Helper::FuelGet, Helper::FuelSet]);
        }
        helpers.extend(info.helpers.iter().copied());
        for helper in helpers {
            let (params, results) = helper.signature();
            let ty = l.intern(params, results);
            l.helpers.push((helper, ty));
        }
        if opts.fuel {
            l.export(
                info,
                crate::FUEL_GET_EXPORT,
                l.helper_index(Helper::FuelGet),
            )?;
            l.export(
                info,
                crate::FUEL_SET_EXPORT,
                l.helper_index(Helper::FuelSet),
            )?;
            if let Some(start) = info.start {
                let start = l.function_index(start);
                l.export(info, crate::START_EXPORT, start)?;
                l.moved_start = Some(start);
            }
        }
        Ok(l)
    }

    /// What this layout adds, as hosts see it.
    pub(crate) fn added(&self, info: &Info) -> Added {
        let mut imports: Vec<AddedImport> = self
            .global_imports
            .iter()
            .map(|&name| AddedImport {
                module: crate::RUNTIME_MODULE.to_string(),
                name: name.to_string(),
                kind: AddedKind::Global {
                    ty: ValType::I64,
                    mutable: true,
                },
            })
            .collect();
        for &(name, ty) in &self.imports {
            let (params, results) = self.types[(ty - self.first_type) as usize].clone();
            imports.push(AddedImport {
                module: crate::RUNTIME_MODULE.to_string(),
                name: name.to_string(),
                kind: AddedKind::Func { params, results },
            });
        }
        let mut funcs =
            crate::extend::func_map(self.imported_funcs, self.func_shift, info.defined_funcs);
        funcs.push(self.helpers.len() as u32, None);
        Added {
            imports,
            exports: self.exports.iter().map(|&(n, _)| n.to_string()).collect(),
            funcs,
        }
    }

    /// The new index of one of the module's own globals.
    pub(crate) fn global_index(&self, global: u32) -> u32 {
        global + self.global_imports.len() as u32
    }

    /// The new index of one of the module's own functions.
    pub(crate) fn function_index(&self, func: u32) -> u32 {
        crate::extend::moved_func(func, self.imported_funcs, self.func_shift)
    }

    pub(crate) fn helper_index(&self, helper: Helper) -> u32 {
        let position = self.helpers.iter().position(|&(h, _)| h == helper);
        // Every helper the code refers to was found by the analysis and given a slot.
        self.first_helper + position.unwrap_or(0) as u32
    }

    pub(crate) fn helper_context(&self) -> Context {
        Context {
            fuel: self.fuel,
            interrupt: self.interrupt,
        }
    }

    fn intern(&mut self, params: Vec<ValType>, results: Vec<ValType>) -> u32 {
        crate::extend::intern(&mut self.types, self.first_type, params, results)
    }

    fn import(&mut self, name: &'static str, ty: u32) -> u32 {
        self.imports.push((name, ty));
        self.func_shift += 1;
        self.imported_funcs + self.func_shift - 1
    }

    fn export(
        &mut self,
        info: &Info,
        name: &'static str,
        func: u32,
    ) -> Result<(), InstrumentError> {
        if info.exports.contains(name) {
            return Err(InstrumentError::NameClash {
                name: name.to_string(),
            });
        }
        self.exports.push((name, func));
        Ok(())
    }
}
